set -e
cp -r "$S/res" res
head -c -25 res/r/predictions/coyote/random_forest/n00004_r0_f0.csv > p && mv p res/r/predictions/coyote/random_forest/n00004_r0_f0.csv

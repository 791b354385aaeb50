set -e
cp -r "$S/res" res
printf 'garbage\1\2' > res/r/predictions/coyote/random_forest/n00004_r0_f0.csv

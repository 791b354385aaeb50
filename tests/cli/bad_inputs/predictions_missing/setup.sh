set -e
cp -r "$S/res" res
rm res/r/predictions/coyote/random_forest/n00004_r0_f0.csv

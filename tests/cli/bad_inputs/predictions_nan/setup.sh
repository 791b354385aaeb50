set -e
cp -r "$S/res" res
sed -i '3s/,[^,]*,\([^,]*\)$/,nan,\1/' res/r/predictions/coyote/random_forest/n00004_r0_f0.csv

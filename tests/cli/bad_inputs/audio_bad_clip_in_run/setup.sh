set -e
cp -r "$S/data" data
printf "garbage" > data/coyote/data/pos/coyote_pos_0000.wav

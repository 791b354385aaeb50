set -e
mkdir -p data/owl/data
cp "$S"/data/coyote/data/pos/coyote_pos_000[01].wav data/owl/data/
printf "coyote_pos_0000.wav,pos\ncoyote_pos_0001.wav,perhaps\n" > data/owl/data/labels.csv

set -e
mkdir -p data/flat
cp "$S"/data/coyote/data/pos/coyote_pos_0000.wav data/flat/

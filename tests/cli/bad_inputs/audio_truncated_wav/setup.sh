set -e
head -c 60 "$S/data/coyote/data/pos/coyote_pos_0000.wav" > clip.wav

set -e
printf "file,label\ncoyote/data/pos/coyote_pos_0000.wav,pos\n" > labels.csv

set -e
printf "file,species,label\n\"coyote/data/pos/coyote_pos_0000.wav,coyote,pos\n" > labels.csv

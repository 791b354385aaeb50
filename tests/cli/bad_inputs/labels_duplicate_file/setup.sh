set -e
printf "file,species,label\ncoyote/data/pos/coyote_pos_0000.wav,coyote,pos\ncoyote/data/neg/coyote_neg_0000.wav,coyote,neg\ncoyote/data/pos/coyote_pos_0000.wav,coyote,neg\n" > labels.csv

set -e
printf "file,group\ncoyote/data/pos/ghost.wav,g1\n" > groups.csv

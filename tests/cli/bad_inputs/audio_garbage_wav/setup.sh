set -e
printf "this is not audio at all, only text pretending to be a wav file\n" > clip.wav

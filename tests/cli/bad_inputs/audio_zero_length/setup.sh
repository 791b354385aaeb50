set -e
: > clip.wav

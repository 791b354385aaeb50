set -e
cp -r "$S/data" data
mkdir data/coyote/data/pos/folder.wav

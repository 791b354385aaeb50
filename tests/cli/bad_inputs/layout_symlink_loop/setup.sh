set -e
cp -r "$S/data" data
ln -s loop.wav data/coyote/data/pos/loop.wav

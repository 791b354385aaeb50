set -e
cp -r "$S/data" data
ln -s /nonexistent/x.wav data/coyote/data/pos/dangling.wav

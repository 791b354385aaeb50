set -e
cp -r "$S/data" data
mkdir -p "data/$(printf "o\xffwl")/data/pos"
cp "$S"/data/coyote/data/pos/coyote_pos_0000.wav "data/$(printf "o\xffwl")/data/pos/"

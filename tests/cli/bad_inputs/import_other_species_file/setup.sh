set -e
cp -r "$S/emb" emb
mkdir -p emb/bullfrog/data/pos
mv emb/coyote/data/pos/coyote_pos_0001.birdnet.embeddings.txt emb/bullfrog/data/pos/

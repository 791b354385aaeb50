set -e
cp -r "$S/emb" emb
rm emb/coyote/data/pos/coyote_pos_0003.birdnet.embeddings.txt

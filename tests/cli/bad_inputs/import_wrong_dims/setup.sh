set -e
cp -r "$S/emb" emb
printf "0.0\t1.0\t0.1,0.2,0.3\n" > emb/coyote/data/neg/coyote_neg_0002.birdnet.embeddings.txt

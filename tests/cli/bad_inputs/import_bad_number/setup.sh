set -e
cp -r "$S/emb" emb
printf "0.0\t1.0\t0.1,zero,0.3,0.4\n" > emb/coyote/data/neg/coyote_neg_0005.birdnet.embeddings.txt

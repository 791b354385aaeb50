set -e
mkdir -p data/owl/data/neg
cp "$S"/data/coyote/data/neg/*.wav data/owl/data/neg/

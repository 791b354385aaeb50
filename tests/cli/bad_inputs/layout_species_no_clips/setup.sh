set -e
mkdir -p data/owl/data/pos data/owl/data/neg
cp -r "$S/data/coyote" data/

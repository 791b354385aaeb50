set -e
cp -r "$S/res" res

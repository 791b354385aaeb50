set -e
cp -r "$S/res" res
sed -i '1s/"species":"coyote",//' res/r/tasks.jsonl

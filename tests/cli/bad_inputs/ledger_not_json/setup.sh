set -e
cp -r "$S/res" res
sed -i '1i not json at all' res/r/tasks.jsonl

set -e
cp -r "$S/res" res
sed -i '1s/"group_check":{[^}]*},//' res/gx/tasks.jsonl

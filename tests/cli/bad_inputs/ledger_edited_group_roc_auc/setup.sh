set -e
cp -r "$S/res" res
sed -i '1s/"group_roc_auc":[0-9.e-]*/"group_roc_auc":0.123/' res/gx/tasks.jsonl

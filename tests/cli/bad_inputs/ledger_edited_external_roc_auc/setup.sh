set -e
cp -r "$S/res" res
sed -i '1s/"external_roc_auc":[0-9.e-]*/"external_roc_auc":0.123/' res/gx/tasks.jsonl

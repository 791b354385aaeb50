set -e
cp -r "$S/res" res
printf "{\"seed\": 4" > res/r/spec.json

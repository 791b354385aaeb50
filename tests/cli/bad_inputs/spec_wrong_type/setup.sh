set -e
printf "repeats: [2, 3]\n" > spec.yaml

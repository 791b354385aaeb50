set -e
printf "repeats: 2.7\n" > spec.yaml

set -e
printf "cv_fold: 2\n" > spec.yaml

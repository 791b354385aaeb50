set -e
printf "cv_folds: 2\ncv_folds: 3\n" > spec.yaml

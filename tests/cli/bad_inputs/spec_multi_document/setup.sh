set -e
printf "cv_folds: 2\n---\ncv_folds: 3\n" > spec.yaml

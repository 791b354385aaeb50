set -e
printf "models: [random_forest\ncv_folds: 2\n" > spec.yaml

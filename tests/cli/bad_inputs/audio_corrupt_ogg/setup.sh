set -e
printf "OggS\0\2\0\0\0\0\0\0\0\0\1\2\3\4\0\0\0\0garbage-after-the-capture-pattern" > clip.ogg

#!/usr/bin/env bash
# A single-node Slurm cluster on this machine (munged + slurmctld + slurmd), for the deploy tests
# and for trying deploy/slurm/ by hand. Debian 12 as root, packages from install-deps.sh --deploy.
#   scripts/slurm-local.sh up       configure under the state folder and start the three daemons
#                                   (those not running); wait until the node is idle
#   scripts/slurm-local.sh down     stop them by the pids they wrote (the state folder stays)
#   scripts/slurm-local.sh env      print the SLURM_CONF line clients need
# Idempotent. Nothing is written to /etc. State: $MLAC_SLURM_DIR (default
# ${TMPDIR:-/tmp}/mlac-slurm); ports $MLAC_SLURM_PORT and the next one (default 16817).
set -euo pipefail
dir=${MLAC_SLURM_DIR:-${TMPDIR:-/tmp}/mlac-slurm}
port=${MLAC_SLURM_PORT:-16817}
cpus=${MLAC_SLURM_CPUS:-$(nproc)}
node=$(hostname -s)   # slurmd must be named by the short host name
export SLURM_CONF=$dir/slurm.conf

alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
# Start a daemon with every inherited fd above 2 closed (under `flock LOCK cmd` it would hold the lock).
daemon() {
  (
    for fd in "/proc/$BASHPID/fd/"*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec "$@" </dev/null
  )
}

configure() {
  mkdir -p "$dir"/{munge,spool/ctld,spool/d,log,run}
  chmod 0700 "$dir/munge"
  if [[ ! -s $dir/munge/munge.key ]]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$dir/munge/munge.key"
  fi
  local mem=$(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 - 1024))
  cat > "$dir/slurm.conf.new" <<EOC
ClusterName=mlac
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
DefMemPerCPU=1024
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOC
  mv "$dir/slurm.conf.new" "$dir/slurm.conf"
}

start() {
  if ! alive "$dir/run/munged.pid"; then
    # --force: munged refuses to run as root without it
    daemon munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
      --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
  fi
  for _ in $(seq 50); do
    [[ -S $dir/munge/munge.socket ]] && break
    sleep 0.1
  done
  munge -n -S "$dir/munge/munge.socket" | unmunge -S "$dir/munge/munge.socket" > /dev/null
  alive "$dir/run/slurmctld.pid" || daemon slurmctld -f "$SLURM_CONF"
  alive "$dir/run/slurmd.pid" || daemon slurmd -f "$SLURM_CONF" -N "$node"
  for _ in $(seq 150); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -q -E '^(idle|mixed|allocated)'; then
      echo "slurm-local: node $node up ($cpus CPUs); export SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 0.2
  done
  echo "slurm-local: the node did not come up; logs in $dir/log" >&2
  tail -5 "$dir/log/"*.log >&2
  return 1
}

stop_one() { # PIDFILE
  if alive "$1"; then
    local pid
    pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  fi
  rm -f "$1"
}

case "${1:-up}" in
  up) configure && start ;;
  down)
    stop_one "$dir/run/slurmd.pid"
    stop_one "$dir/run/slurmctld.pid"
    stop_one "$dir/run/munged.pid"
    echo "slurm-local: stopped"
    ;;
  env) echo "export SLURM_CONF=$SLURM_CONF" ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac

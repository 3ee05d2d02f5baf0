# The one option the launch scripts take: --config PATH (default ./config.yaml, relative to the caller's cwd).
# Source after log.sh (uses die) and after saving ORIG_PWD and cd-ing to the repo root. Sets CONFIG (absolute).
#   parse_config_arg "<sed line range of the script's help comment>" "$@"
parse_config_arg() {
  local help_lines=$1 script; script=scripts/$(basename "$0"); shift
  CONFIG=config.yaml
  while [ $# -gt 0 ]; do
    case $1 in
      --config) [ $# -ge 2 ] || die "--config needs a path"; CONFIG=$2; shift 2 ;;
      --config=*) CONFIG=${1#*=}; shift ;;
      -h|--help) sed -n "${help_lines}p" "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) die "unknown option '$1' — usage: bash $script [--config PATH]" ;;
    esac
  done
  case $CONFIG in /*) ;; *) CONFIG=$ORIG_PWD/$CONFIG ;; esac
  [ -f "$CONFIG" ] || die "config $CONFIG not found — pass --config PATH (default: ./config.yaml)"
}

# config_of "$@" → the --config value among any arguments (default ./config.yaml), made absolute; for
# start.sh, which needs it for setup_env.sh before swerl.run.supervise parses the rest.
config_of() {
  local c=config.yaml
  while [ $# -gt 0 ]; do
    case $1 in --config) [ $# -ge 2 ] && c=$2 && shift ;; --config=*) c=${1#*=} ;; esac
    shift
  done
  realpath -ms -- "$c"
}

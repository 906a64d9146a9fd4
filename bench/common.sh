# Shared helpers of the benchmark scripts (sourced, not run).

# A free TCP port on the loopback interface.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until URL answers (any HTTP status), at most 10 seconds.
wait_for() {
  for _ in $(seq 1 100); do
    curl -sS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

# Prints the session cookie (name=value) of the demo reader signed in at BASE.
sign_in_reader() {
  local sign_in
  sign_in=$(curl -fsS "$1/login" | grep -o '/api/sign_in[0-9]*' | head -n 1)
  curl -fsS -o /dev/null -D - "$1$sign_in" -H 'Accept: text/html' \
    --data 'email=reader%40scorenow.demo&password=scorenow-demo&next=%2F' |
    grep -i '^set-cookie: scorenow_session=' | sed 's/^[^:]*: \([^;]*\);.*/\1/'
}

#!/usr/bin/env bash
# The demo: our host-local and the reference Go host-local serving ONE lease
# directory side by side, through the built executables, as a runtime calls them.
set -euo pipefail
cd "$(dirname "$0")/.."
OURS=$PWD/dist/bin
REF=/usr/lib/cni
[ -x "$OURS/host-local" ] || { echo "run npm run build first" >&2; exit 1; }
[ -x "$REF/host-local" ] || { echo "apt-get install containernetworking-plugins (the reference) first" >&2; exit 1; }
unset NODE_EXTRA_CA_CERTS
DATA=$(mktemp -d /tmp/cnits-demo-XXXXXX)
trap 'rm -rf "$DATA"' EXIT
CONF=$(cat <<JSON
{"cniVersion":"1.1.0","name":"demo","type":"bridge",
 "ipam":{"type":"host-local","dataDir":"$DATA","ranges":[[{"subnet":"10.88.0.0/29"}],[{"subnet":"fd00:88::/125"}]],
         "routes":[{"dst":"0.0.0.0/0"}]}}
JSON
)
cni() { # cni VERB BIN CONTAINER [extra-conf-json]
  local conf=$CONF
  [ -n "${4:-}" ] && conf=$(node -e 'const [a,b]=process.argv.slice(1);console.log(JSON.stringify({...JSON.parse(a),...JSON.parse(b)}))' "$CONF" "$4")
  local bin=$2; [ "$2" = ours ] && bin=$OURS/host-local; [ "$2" = go ] && bin=$REF/host-local
  # the reference (Debian v1.1.1) speaks up to 1.0.0: hand it that version
  [ "$2" = go ] && conf=${conf/\"1.1.0\"/\"1.0.0\"}
  env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="$3" CNI_IFNAME=eth0 CNI_NETNS=/var/run/netns/demo \
    CNI_PATH="$OURS" "$bin" <<<"$conf"
}
leases() { echo "--- leases in $DATA/demo:"; for f in "$DATA"/demo/*; do
  case $(basename "$f") in lock) ;; last_reserved_ip.*) printf '  %-22s %s\n' "$(basename "$f")" "$(cat "$f")";;
  *) printf '  %-22s %s (mode %s)\n' "$(basename "$f")" "$(tr '\r\n' '  ' <"$f")" "$(stat -c %a "$f")";; esac; done; }

echo "== 1. ADD alternately with ours (TypeScript) and the reference (Go), one dataDir"
for i in 1 2 3 4; do
  who=ours; [ $((i % 2)) = 0 ] && who=go
  printf '%-5s ADD demo-%s -> ' "$who" "$i"
  cni ADD "$who" "demo-$i" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).ips.map(i=>i.address).join("  ")))'
done
leases
echo; echo "== 2. each releases what the other allocated"
cni DEL go demo-1 && echo "go    DEL demo-1 (allocated by ours)"
cni DEL ours demo-2 && echo "ours  DEL demo-2 (allocated by go)"
leases
echo; echo "== 3. beyond the reference: STATUS and GC (spec 1.1.0)"
printf 'ours  STATUS: '; cni STATUS ours "" && echo "ready"
show() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).ips.map(i=>i.address).join("  ")))'; }
for i in 5 6 7; do printf 'ours  ADD demo-%s -> ' "$i"; cni ADD ours "demo-$i" | show; done
printf 'ours  STATUS (the IPv4 set is now full): '; cni STATUS ours "" || true; echo
echo 'ours  GC with cni.dev/valid-attachments = [demo-3, demo-5, demo-7]'
cni GC ours "" '{"cni.dev/valid-attachments":[{"containerID":"demo-3","ifname":"eth0"},{"containerID":"demo-5","ifname":"eth0"},{"containerID":"demo-7","ifname":"eth0"}]}'
leases
echo; echo "== 4. DEL everything that is left"
for i in 3 5 7; do cni DEL ours "demo-$i"; done
leases

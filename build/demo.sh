#!/usr/bin/env bash
# The demo: the classic docker0 picture, built by our executables. Two container
# namespaces on one bridge network with masquerade, addresses shown, pings, then
# DEL and a listing showing nothing is left. Everything happens inside a scratch
# "node" namespace, so this machine's own links and firewall rules are untouched.
# Then: our host-local and the reference Go host-local sharing one lease directory.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/dist/bin
[ -x "$BIN/bridge" ] || { echo "run npm run build first" >&2; exit 1; }
unset NODE_EXTRA_CA_CERTS
NODE=cnitsdemo-node A=cnitsdemo-a B=cnitsdemo-b
DATA=$(mktemp -d /tmp/cnits-demo-XXXXXX)
DAEMON=
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null || true
  for ns in $A $B $NODE; do ip netns del "$ns" 2>/dev/null || true; done; rm -rf "$DATA"
}
trap cleanup EXIT
cleanup; mkdir -p "$DATA"
for ns in $NODE $A $B; do ip netns add "$ns"; done
ip -n $NODE link set lo up

CONF=$(cat <<JSON
{"cniVersion":"1.1.0","name":"demo","type":"bridge","bridge":"cni-demo0","isGateway":true,"ipMasq":true,
 "ipam":{"type":"host-local","dataDir":"$DATA","ranges":[[{"subnet":"10.123.0.0/24"}],[{"subnet":"fd00:123::/64"}]],
         "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}}
JSON
)
cni() { # VERB CONTAINER-NETNS
  echo "$CONF" | ip netns exec $NODE env CNI_COMMAND="$1" CNI_CONTAINERID="demo-$2" CNI_IFNAME=eth0 \
    CNI_NETNS="/var/run/netns/$2" CNI_PATH="$BIN" "$BIN/bridge"
}
addr() { ip -n "$1" -j addr show eth0 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].addr_info.filter(a=>a.scope==="global").map(a=>a.local+"/"+a.prefixlen).join("  ")))'; }
ping1() { ip netns exec "$1" busybox ping -c 1 -W 2 "$2" >/dev/null && echo "  $1 -> $2: ok" || echo "  $1 -> $2: FAILED"; }

echo "== ADD: two containers on bridge cni-demo0 (isGateway, ipMasq), dual stack, via $BIN/bridge"
for ns in $A $B; do cni ADD $ns > "$DATA/$ns.result.json"; echo "  $ns eth0: $(addr $ns)"; done
echo "== the node side"
ip -n $NODE -br link show type bridge; ip -n $NODE -br addr show dev cni-demo0
ip -n $NODE -br link show type veth | sed 's/^/  /'
echo "  masquerade rules:"; ip netns exec $NODE iptables-save -t nat | grep -- '-A .*CNI-' | sed 's/^/    /'
echo "  leases:"; for f in "$DATA"/demo/[0-9a-f]*; do case $f in *last_reserved*) ;; *) printf '    %-14s %s\n' "$(basename "$f")" "$(tr '\r\n' '  ' <"$f")";; esac; done
IPA=$(addr $A | cut -d/ -f1); IPB=$(addr $B | cut -d/ -f1)
echo "== ping"
ping1 $A "$IPB"; ping1 $B "$IPA"; ping1 $A 10.123.0.1; ping1 $B fd00:123::1
echo "== CHECK (prevResult from the ADD)"
for ns in $A $B; do
  CONF_CHECK=$(node -e 'const c=JSON.parse(process.argv[1]);c.prevResult=JSON.parse(require("fs").readFileSync(process.argv[2]));console.log(JSON.stringify(c))' "$CONF" "$DATA/$ns.result.json")
  echo "$CONF_CHECK" | ip netns exec $NODE env CNI_COMMAND=CHECK CNI_CONTAINERID="demo-$ns" CNI_IFNAME=eth0 \
    CNI_NETNS="/var/run/netns/$ns" CNI_PATH="$BIN" "$BIN/bridge" && echo "  $ns: ok"
done
echo "== DEL: container a normally; container b after its netns is already gone"
cni DEL $A; ip netns del $B; echo "$CONF" | ip netns exec $NODE env CNI_COMMAND=DEL CNI_CONTAINERID=demo-$B CNI_IFNAME=eth0 CNI_NETNS= CNI_PATH="$BIN" "$BIN/bridge"
echo "== what is left"
echo "  veths: $(ip -n $NODE -br link show type veth | wc -l)"
echo "  masquerade rules: $(ip netns exec $NODE iptables-save -t nat | grep -c -- '-A .*CNI-' || true)"
echo "  leases: $(find "$DATA/demo" -type f -name '[0-9a-f]*' ! -name 'last_reserved_ip*' | wc -l)"
echo "  (the bridge stays, as the reference leaves it: $(ip -n $NODE -br link show type bridge | awk '{print $1}'))"

echo "== daemon mode: \`cnits daemon\` in the node netns; the plugin links (cnits-shim) hand it each exec"
nsenter --net=/var/run/netns/$NODE "$BIN/cnits" daemon --socket "$DATA/daemon.sock" --workers 2 2>"$DATA/daemon.log" & DAEMON=$!
for _ in $(seq 100); do [ -S "$DATA/daemon.sock" ] && break; sleep 0.05; done
ip netns add $B
viad() { # VERB: one exec through the shim, run where the daemon runs (nsenter keeps the mount namespace)
  echo "$CONF" | nsenter --net=/var/run/netns/$NODE env CNITS_SOCKET="$DATA/daemon.sock" CNI_COMMAND="$1" CNI_CONTAINERID=demo-d \
    CNI_IFNAME=eth0 CNI_NETNS="/var/run/netns/$B" CNI_PATH="$BIN" "$BIN/bridge" >/dev/null
}
viad ADD; echo "  $B eth0: $(addr $B)"; ping1 $B 10.123.0.1; viad DEL
kill "$DAEMON"; wait "$DAEMON" 2>/dev/null || true; DAEMON=
sed 's/^/  daemon: /' "$DATA/daemon.log"
echo "  veths: $(ip -n $NODE -br link show type veth | wc -l), masquerade rules: $(ip netns exec $NODE iptables-save -t nat | grep -c -- '-A .*CNI-' || true), leases: $(find "$DATA/demo" -type f -name '[0-9a-f]*' ! -name 'last_reserved_ip*' | wc -l)"
echo
[ -x /usr/lib/cni/host-local ] && bash build/demo-host-local.sh || echo "(install containernetworking-plugins to also see our host-local and the Go one share a lease directory)"

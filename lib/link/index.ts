// What the link plugins (bridge, macvlan, ipvlan) share: netns handles, links created in
// the container netns, the master lookup, interface configuration, CHECK against the
// kernel, and the verb frames of macvlan and ipvlan.
export { checkContainer, checkLinkPlugin } from './check';
export { createInContainer, createOnMaster, type Placement } from './create';
export { configureIface, defaultGateway, ipsFor, settleAddresses, trySysctl, waitOperUp } from './iface';
export { checkMtu, defaultRouteLink, findMaster } from './master';
export { randomMac, randomVethName } from './names';
export { delFromNetns, openNetns } from './netns';
export { addWithUndo, linkPluginVerbs } from './verbs';

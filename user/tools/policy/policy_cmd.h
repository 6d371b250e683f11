/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil policy`: load, list and unload BPF policies. */
#ifndef KGIL_TOOLS_POLICY_CMD_H
#define KGIL_TOOLS_POLICY_CMD_H

/* Where `kgil policy load` pins a policy's link: DIR/NAME. */
#define POLICY_PIN_DIR "/sys/fs/bpf/kgil"

int cmd_policy(int argc, char **argv);

#endif

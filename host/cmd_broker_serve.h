/* `snpboot broker serve` (cmd_broker_serve.c), dispatched from `snpboot broker`. */
#ifndef SNPBOOT_HOST_CMD_BROKER_SERVE_H
#define SNPBOOT_HOST_CMD_BROKER_SERVE_H

int cmd_broker_serve(int argc, char **argv);

#endif

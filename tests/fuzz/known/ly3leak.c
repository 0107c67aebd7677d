/*
 * libyang alone on one NETCONF RPC, as fuzz_netconf and libnetconf2 parse
 * it (lyd_parse_op, LYD_TYPE_RPC_NETCONF), the input in a heap buffer of
 * its exact size: does libyang leak or read out of bounds?
 *   clang -g -fsanitize=address ly3leak.c -lyang -o ly3leak
 *   ./ly3leak RPC.xml YANGDIR [MODULE]   (YANGDIR: yang/netconf)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libyang/libyang.h>

int main(int argc, char **argv)
{
	static const char *features[] = {"*", NULL};
	struct ly_ctx *ctx;
	struct lyd_node *envp = NULL, *op = NULL;
	struct ly_in *in = NULL;
	FILE *f = fopen(argv[1], "r");
	static char tmp[65536];
	size_t n = fread(tmp, 1, sizeof(tmp) - 1, f);
	char *buf = malloc(n + 1);
	LY_ERR r;

	memcpy(buf, tmp, n);
	buf[n] = 0;
	fclose(f);
	if (ly_ctx_new(argv[2], 0, &ctx) ||
	    !ly_ctx_load_module(ctx, "ietf-netconf", NULL, features))
		return 2;
	if (argc > 3 && !ly_ctx_load_module(ctx, argv[3], NULL, NULL))
		return 3;
	ly_in_new_memory(buf, &in);
	r = lyd_parse_op(ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &envp,
			 &op);
	printf("lyd_parse_op: %d envp %p op %p\n", r, (void *)envp, (void *)op);
	lyd_free_all(envp);
	lyd_free_all(op);
	ly_in_free(in, 0);
	ly_ctx_destroy(ctx);
	free(buf);
	return 0;
}

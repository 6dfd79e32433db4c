/* hello-server: parse the command line, set up, serve. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "options.h"
#include "proctitle.h"
#include "reload.h"
#include "server.h"

int
main(int argc, char *argv[])
{
	struct options opt;
	struct server *server = NULL;
	char err[512];
	int rc;

	proctitle_init(argc, argv);
	rc = options_parse(&opt, argc, argv, err, sizeof(err));
	if (rc == OPTIONS_HELP || rc == OPTIONS_VERSION) {
		if (rc == OPTIONS_HELP)
			options_usage(stdout);
		else
			printf("hello-server %s\n", PACKAGE_VERSION);
		options_free(&opt);
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (rc == 0 && opt.reload != 0)
		rc = reload_request(opt.reload, opt.timeout, err, sizeof(err));
	else if (rc == 0)
		rc = server_setup(&server, &opt, err, sizeof(err));
	if (rc == 0 && server != NULL)
		rc = server_run(server);
	else if (rc != 0)
		fprintf(stderr, "hello-server: %s\n", err);
	if (opt.show_usage)
		options_usage(stderr);
	server_free(server);
	options_free(&opt);
	return rc;
}

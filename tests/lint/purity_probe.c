/* Never builds: the poison uv.h stops it (see tests/lint/CMakeLists.txt). */
#include <uv.h>

int purity_probe(void);
int purity_probe(void)
{
	return 0;
}

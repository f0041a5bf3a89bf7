/*
 * test_xml_stream.c - the fast XML reader against libxml2's reader: the same elements,
 * namespaces, text and complaints, wherever the fast reader hands over (xml_fast.h).
 */
#include <dirent.h>

#include "check.h"
#include "collect.h"
#include "xml_log.h"

/* The handoff property after each of the first 120 units (or those given), and never. */
static void check_handoffs(const char *what, const char *doc, size_t len, const size_t *units,
			   size_t count)
{
	size_t first[120];
	if (units == NULL) {
		for (size_t i = 0; i < 120; i++)
			first[i] = i + 1;
		units = first;
		count = 120;
	}
	size_t failed = 0;
	const char *why =
	    xml_log_check_handoffs((const unsigned char *)doc, len, units, count, &failed);
	if (why != NULL)
		fprintf(stderr, "%s, handoff after %zu units: %s\n", what, failed, why);
	CHECK(why == NULL);
}

static void check_everywhere(const char *what, const char *doc, size_t len)
{
	check_handoffs(what, doc, len, NULL, 0);
}

static void check_string(const char *doc)
{
	check_everywhere(doc, doc, strlen(doc));
}

static void check_files(const char *dir)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".xml") == NULL)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		size_t len = 0;
		unsigned char *data = read_whole_file(path, &len);
		CHECK(data != NULL);
		if (data != NULL)
			check_everywhere(path, (const char *)data, len);
		free(data);
	}
	closedir(d);
}

/* Documents made to sit on the fast reader's edges, well-formed or not. */
static void test_edges(void)
{
	static const char *const docs[] = {
	    /* namespaces: default, prefixed, redeclared, undeclared, odd names */
	    "<a xmlns='urn:a'><b/><p:c xmlns:p='urn:p'><p:d/></p:c><e xmlns=''/></a>",
	    "<p:a xmlns:p='urn:x' xmlns:q='urn:x'><q:b p:x='1' q:y='2'/></p:a>",
	    "<p:a xmlns:p='urn:x' xmlns:q='urn:x'><b p:x='1' q:x='2'/></p:a>",
	    "<a><p:b/></a>",
	    "<a xmlns:p='relative'><p:b/></a>",
	    "<a xmlns='http://dmarc.org/dmarc-xml/0.1' xmlns:xsi='http://www.w3.org/2001/"
	    "XMLSchema-instance' xsi:schemaLocation='x y'><b xml:lang='en'/></a>",
	    "<a xmlns:xml='urn:x'/>",
	    "<a b='1' b='2'/>",
	    "<a b='1'c='2'/>",
	    "<a:b:c/>",
	    /* text: blank nodes, references, CDATA, CR LF, forbidden characters */
	    "<a>  <b> x </b>\n\t<c>&lt;&amp;&#65;&#x20AC;&#32;</c><d>&#32;&#x9;</d></a>",
	    "<a><b>x<![CDATA[ <y> ]]>z</b><c><![CDATA[  ]]> </c><d>a<!-- c -->b</d></a>",
	    "<a>\r\n<b>1\r\n2</b><c><![CDATA[\r\n]]></c></a>\r\n",
	    "<a>x\ry</a>",
	    "<a>x]]>y</a>",
	    "<a>&#0;</a>",
	    "<a>&#x110000;</a>",
	    "<a>&unknown;</a>",
	    "<a>\x01</a>",
	    "<a>caf\xc3\xa9 \xef\xbf\xbe</a>",
	    /* comments, processing instructions, declarations */
	    "<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n<!-- c --><?pi "
	    "x?><a><?pi?></a>",
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>",
	    "<?xml version=\"1.1\"?><a/>",
	    "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<a/>",
	    "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
	    "<a><!-- a--b --></a>",
	    "<a><!---></a>",
	    "<a><?xml-stylesheet href='x'?></a>",
	    "<a><?xml x?></a>",
	    /* structure: extra content, unclosed elements, mismatched ends */
	    "<a><b></a>",
	    "<a></a><b/>",
	    "<a></a>trailing",
	    "<a><b><c>",
	    "<a/><!-- after --> ",
	    /* an inner element named like the root closes before the handoff: the mending
	     * takes that for the root's end (found by fuzz_xml_stream) */
	    "<e>><e>x</e><zz>y</zz><b>1</b>",
	    "<e><e>x</e><b>&</b>",
	    "",
	    "   ",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		check_string(docs[i]);
}

/* Units larger than the fast reader's window, lines past 65,535, deep nesting. */
static void test_sizes(void)
{
	size_t big = 300 * 1024;
	char *doc = malloc(big + 4096);
	/* A text node longer than the window, then an error. */
	size_t n = (size_t)sprintf(doc, "<a><b>");
	memset(doc + n, 'x', big);
	n += big;
	n += (size_t)sprintf(doc + n, "</b><c></a>");
	static const size_t few[] = {1, 2, 3, 4};
	check_handoffs("long text", doc, n, few, 4);
	/* A start tag longer than the fast reader keeps. */
	n = (size_t)sprintf(doc, "<a><b c='");
	memset(doc + n, 'y', 5000);
	n += 5000;
	n += (size_t)sprintf(doc + n, "'><d/></b></a>");
	check_handoffs("long tag", doc, n, few, 4);
	free(doc);

	/* 1,100,000 lines, then an error: libxml2's line numbers stop at 65,535 in nodes,
	 * and the replayed lines take more than one comment (a million newlines each). */
	size_t lines = 1100000;
	doc = malloc(lines * 8 + 64);
	n = (size_t)sprintf(doc, "<a>\n<b>\n");
	for (size_t i = 0; i < lines; i++)
		n += (size_t)sprintf(doc + n, "<c/>\n");
	n += (size_t)sprintf(doc + n, "<d></b></a>");
	static const size_t at[] = {1, 65536, 1100002};
	check_handoffs("many lines", doc, n, at, sizeof(at) / sizeof(at[0]));
	free(doc);

	doc = malloc(150 * 16 + 64);
	n = 0;
	for (int i = 0; i < 150; i++)
		n += (size_t)sprintf(doc + n, "<e%d>", i);
	n += (size_t)sprintf(doc + n, "deep");
	for (int i = 149; i >= 0; i--)
		n += (size_t)sprintf(doc + n, "</e%d>", i);
	check_everywhere("deep", doc, n);
	free(doc);
}

/* The mending judges the encoding on a document's first 200 bytes: a resumed document
 * starts later, and must be judged as the whole one was (found by fuzz_xml_stream). */
static void test_encoding_judged_once(void)
{
	char doc[512];
	size_t n = (size_t)sprintf(doc, "<a>");
	memset(doc + n, 'y', 250);
	n += 250;
	n += (size_t)sprintf(doc + n, "<b>encoding=\"x\" caf\xe9</b></a>");
	check_everywhere("encoding= past 200 bytes", doc, n);
}

/* A NUL in a CDATA section never closed: libxml2 complains of the NUL or of the
 * unclosed section depending on where its reads cut the document, which the handoff
 * moves; a complaint there must be, wherever (found by fuzz_xml_stream). */
static void test_nul_in_open_cdata(void)
{
	char doc[2048];
	for (size_t shift = 0; shift < 600; shift += 20) {
		size_t n = (size_t)sprintf(doc, "<!--");
		memset(doc + n, 'x', shift);
		n += shift;
		n += (size_t)sprintf(doc + n, "--><e><b>x</b><?p?><![CDATA[");
		memset(doc + n, 'y', 450);
		n += 450;
		doc[n++] = '\0';
		memset(doc + n, 'z', 300);
		n += 300;
		static const size_t units[] = {1, 2, 3, 4, 5, 6};
		check_handoffs("NUL in an unclosed CDATA section", doc, n, units, 6);
	}
}

/* What the handler is shown, spelled out for one document. */
static void test_shown(void)
{
	const char *doc = "<?xml version='1.0'?>\n<r xmlns='urn:r'>\n  <a>x &amp; <![CDATA[y]]></a>"
			  "<!--c--><b>  </b><p:c xmlns:p='urn:p'/></r>";
	struct xml_log log;
	xml_log_read_document((const unsigned char *)doc, strlen(doc), SIZE_MAX, &log);
	CHECK_STR(log.text, "document\n"
			    "start 5 r\n  namespace urn:r\n"
			    "start 0 a\n  namespace urn:r\ntext 5 x & y\nend\n"
			    "start 1 b\n  namespace urn:r\nend\n"
			    "start 2 c\n  namespace urn:p\nend\n"
			    "end\n"
			    "mended 0 0 0 0\n");
	CHECK(log.errors == 0);
	free(log.text);
}

int main(void)
{
	test_shown();
	test_edges();
	test_sizes();
	test_encoding_judged_once();
	test_nul_in_open_cdata();
	check_files("tests/data/dmarc");
	check_files("tests/corpus/dmarc-cryinc/aggregate");
	return check_done();
}

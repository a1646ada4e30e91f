// libxml2 from Debian's libxml2-dev, for feed and ticker-page parsing.
#ifndef NEWSFLASH_CLIBXML2_SHIM_H
#define NEWSFLASH_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU; its headers would pull in the system ICU,
// which clashes with the ICU inside Foundation. Nothing here needs libxml2's
// ICU converter declarations, and the structs Swift reads do not change.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/uri.h>
#include <stdio.h>

/// An external entity loader that loads nothing: no file, no network, no DTD.
static xmlParserInputPtr newsflash_refuse_external_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
        (void)url; (void)id; (void)ctxt;
        return NULL;
}

/// xmlFree is a global function pointer, which Swift 6 treats as shared mutable state.
static inline void newsflash_xml_free(void *pointer) {
        xmlFree(pointer);
}

/// Installs the refusing loader and silences libxml2's default error printing
/// (errors are collected per document instead). Idempotent.
static inline void newsflash_xml_harden(void) {
        xmlInitParser();
        xmlSetExternalEntityLoader(newsflash_refuse_external_entity);
}

/// Parses an XML document from memory with the options Newsflash allows:
/// recover from broken markup, no network, no DTD loading, no entity substitution.
/// `well_formed` says whether recovery was needed; `error` receives the last error.
static inline xmlDocPtr newsflash_xml_read(const char *buffer, int size, const char *url, const char *encoding,
                                           int *well_formed, char *error, int error_size) {
        int options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_COMPACT;
        xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
        if (ctxt == NULL) return NULL;
        xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buffer, size, url, encoding, options);
        *well_formed = ctxt->wellFormed;
        xmlErrorPtr last = xmlCtxtGetLastError(ctxt);
        if (last != NULL && last->message != NULL) {
                snprintf(error, (size_t)error_size, "line %d: %s", last->line, last->message);
        }
        xmlFreeParserCtxt(ctxt);
        return doc;
}

static inline htmlDocPtr newsflash_html_read(const char *buffer, int size, const char *url, const char *encoding) {
        int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT;
        return htmlReadMemory(buffer, size, url, encoding, options);
}

#endif

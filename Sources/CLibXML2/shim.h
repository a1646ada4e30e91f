// libxml2 from Debian's libxml2-dev (pkg-config libxml-2.0), for feed and ticker-page parsing.
#ifndef NEWSFLASH_CLIBXML2_SHIM_H
#define NEWSFLASH_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU; its headers would pull in the system ICU,
// which clashes with the ICU inside Foundation. Nothing here needs libxml2's
// ICU converter declarations, and the structs Swift reads do not change.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/entities.h>
#include <libxml/encoding.h>
#include <string.h>
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

/// Initialises libxml2 and installs the refusing entity loader (process-wide). Idempotent;
/// call it before the first parse.
static inline void newsflash_xml_harden(void) {
        xmlInitParser();
        xmlSetExternalEntityLoader(newsflash_refuse_external_entity);
}

/// Whether libxml2 can decode `name` (built in or through iconv).
static inline int newsflash_xml_encoding_supported(const char *name) {
        xmlCharEncodingHandlerPtr handler = xmlFindCharEncodingHandler(name);
        if (handler == NULL) return 0;
        xmlCharEncCloseFunc(handler);
        return 1;
}

// MARK: - SAX parsing of feeds

/// The state of one SAX parse shared by the shim's callbacks and Swift's.
/// Swift's callbacks receive a pointer to it as their context.
typedef struct newsflash_sax_session {
        xmlParserCtxtPtr context;
        /// Swift's state for this parse (unretained).
        void *owner;
        /// A DTD declared an entity; parsing stopped there (XML bomb and external entity protection).
        int entity_declared;
        /// The parse was stopped on purpose (the item limit, an unrecognised root).
        int stopped;
        int well_formed;
        int error_count;
        int first_error_line;
        int first_error_code;
        char first_error[200];
} newsflash_sax_session;

static void newsflash_sax_refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                                        const xmlChar *system_id, xmlChar *content) {
        (void)name; (void)type; (void)public_id; (void)system_id; (void)content;
        newsflash_sax_session *session = (newsflash_sax_session *)ctx;
        session->entity_declared = 1;
        xmlStopParser(session->context);
}

static void newsflash_sax_refuse_unparsed_entity(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                                 const xmlChar *system_id, const xmlChar *notation) {
        (void)notation;
        newsflash_sax_refuse_entity(ctx, name, 0, public_id, system_id, NULL);
}

/// Only XML's five predefined entities exist.
static xmlEntityPtr newsflash_sax_predefined_entity(void *ctx, const xmlChar *name) {
        (void)ctx;
        return xmlGetPredefinedEntity(name);
}

static xmlEntityPtr newsflash_sax_no_parameter_entity(void *ctx, const xmlChar *name) {
        (void)ctx; (void)name;
        return NULL;
}

/// Counts errors and keeps the first one's line and message (libxml2 prints nothing).
static void newsflash_sax_error(void *ctx, xmlErrorPtr error) {
        newsflash_sax_session *session = (newsflash_sax_session *)ctx;
        if (error == NULL || error->code == XML_ERR_USER_STOP) return;
        if (error->level == XML_ERR_WARNING) return;
        session->error_count += 1;
        if (session->error_count == 1) {
                session->first_error_line = error->line;
                session->first_error_code = error->code;
                snprintf(session->first_error, sizeof(session->first_error), "%s", error->message != NULL ? error->message : "");
                size_t length = strlen(session->first_error);
                while (length > 0 && (session->first_error[length - 1] == '\n' || session->first_error[length - 1] == ' ')) {
                        session->first_error[--length] = 0;
                }
        }
}

/// Stops the parse from inside a callback (the item limit, an unrecognised root).
static inline void newsflash_sax_stop(newsflash_sax_session *session) {
        session->stopped = 1;
        xmlStopParser(session->context);
}

/// The entity hooks of a parse: an entity declaration stops it, only the five predefined
/// entities are known, no parameter entity is.
static inline void newsflash_sax_guard_entities(xmlSAXHandler *sax) {
        sax->entityDecl = newsflash_sax_refuse_entity;
        sax->unparsedEntityDecl = newsflash_sax_refuse_unparsed_entity;
        sax->getEntity = newsflash_sax_predefined_entity;
        sax->getParameterEntity = newsflash_sax_no_parameter_entity;
}

/// Parses a document from memory with SAX2, building no tree.
///
/// Options: recover from broken markup, no network, no DTD loading, no entity
/// substitution, the encoding declaration ignored when `encoding` is given.
/// Entity declarations stop the parse (`entity_declared`); only the five
/// predefined entities are known; the external subset is never read.
/// Returns 0 when the parse ran (well-formed or recovered), -1 when no parser could be made.
static inline int newsflash_sax_parse(const char *buffer, int size, const char *encoding,
                                      startElementNsSAX2Func start, endElementNsSAX2Func end, charactersSAXFunc characters,
                                      newsflash_sax_session *session) {
        xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buffer, size);
        if (ctxt == NULL) return -1;
        xmlSAXHandler *sax = ctxt->sax;
        memset(sax, 0, sizeof(*sax));
        sax->initialized = XML_SAX2_MAGIC;
        sax->startElementNs = start;
        sax->endElementNs = end;
        sax->characters = characters;
        sax->cdataBlock = characters;
        sax->serror = newsflash_sax_error;
        newsflash_sax_guard_entities(sax);
        ctxt->userData = session;
        session->context = ctxt;
        int options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
        if (encoding != NULL) options |= XML_PARSE_IGNORE_ENC;
        xmlCtxtUseOptions(ctxt, options);
        if (encoding != NULL) {
                xmlCharEncodingHandlerPtr handler = xmlFindCharEncodingHandler(encoding);
                if (handler != NULL) xmlSwitchToEncoding(ctxt, handler);
        }
        xmlParseDocument(ctxt);
        session->well_formed = ctxt->wellFormed;
        if (ctxt->myDoc != NULL) {
                xmlFreeDoc(ctxt->myDoc);
                ctxt->myDoc = NULL;
        }
        session->context = NULL;
        xmlFreeParserCtxt(ctxt);
        return 0;
}

// MARK: - HTML

/// Parses an HTML page from memory into a tree (free it with xmlFreeDoc): recover, no network.
static inline htmlDocPtr newsflash_html_read(const char *buffer, int size, const char *url, const char *encoding) {
        int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT;
        return htmlReadMemory(buffer, size, url, encoding, options);
}

#endif

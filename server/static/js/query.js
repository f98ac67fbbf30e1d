/* The query page: YASGUI over this server's /sparql, nothing loaded from elsewhere.
 *
 * - the endpoint is this origin's /sparql; the endpoint catalogue offers only it;
 * - autocompletion uses the prefixes bundled with YASQE (prefixCcApi off) and the classes and
 *   properties of this graph's ontology, fetched from /sparql -- the Linked Open Vocabularies
 *   completers (which call lov.linkeddata.es) are not enabled;
 * - the project's prefixes are declared in every new tab;
 * - the example queries (the list beside the editor) load into the current tab;
 * - results: table (IRIs of this graph link to their pages here), timeline, map.
 */
(function () {
  "use strict";

  var ONTOLOGY_NS = "https://w3id.org/sikg/ontology#";
  var SERVED = /^(id|source|quantity)\//;

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function prefixBlock(prefixes) {
    return Object.keys(prefixes)
      .map(function (name) {
        return "PREFIX " + name + ": <" + prefixes[name] + ">";
      })
      .join("\n");
  }

  function defaultQuery(prefixes) {
    return (
      prefixBlock(prefixes) +
      "\n\n# Dated events, at the precision the texts give (see the Timeline view)\n" +
      "SELECT ?event ?label ?date WHERE {\n" +
      "  ?event sikg:date ?date ;\n" +
      "         sikg:earliest ?earliest ;\n" +
      "         rdfs:label ?label .\n" +
      "}\n" +
      "ORDER BY ?earliest ?label\n"
    );
  }

  /* A local page for IRIs this server describes, or null. */
  function localHref(iri, base) {
    if (iri.indexOf(base) === 0 && SERVED.test(iri.slice(base.length))) {
      return "/" + iri.slice(base.length);
    }
    if (iri.indexOf(ONTOLOGY_NS) === 0) return "/ontology#" + iri.slice(ONTOLOGY_NS.length);
    if (iri === ONTOLOGY_NS.slice(0, -1)) return "/ontology";
    return null;
  }

  function localiseLinks(root, base) {
    var anchors = root.querySelectorAll("a[href]");
    for (var i = 0; i < anchors.length; i++) {
      var a = anchors[i];
      if (a.dataset.kgLocal) continue;
      var href = localHref(a.getAttribute("href"), base);
      if (href) {
        a.setAttribute("href", href);
        a.removeAttribute("target");
        a.dataset.kgLocal = "1";
      }
    }
  }

  /* Ask this endpoint for the ontology's terms, for autocompletion. */
  function ontologyTerms(endpoint, kind) {
    var pattern =
      kind === "class"
        ? "?term a owl:Class"
        : "VALUES ?k { owl:ObjectProperty owl:DatatypeProperty } ?term a ?k";
    var query =
      "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n" +
      "SELECT DISTINCT ?term WHERE { " +
      pattern +
      ' FILTER(isIRI(?term) && STRSTARTS(STR(?term), "' +
      ONTOLOGY_NS +
      '")) }';
    return function () {
      return fetch(endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json",
        },
        body: "query=" + encodeURIComponent(query),
      })
        .then(function (response) {
          if (!response.ok) throw new Error("ontology terms: HTTP " + response.status);
          return response.json();
        })
        .then(function (json) {
          return json.results.bindings.map(function (b) {
            return b.term.value;
          });
        })
        .catch(function () {
          return [];
        });
    };
  }

  ready(function () {
    var root = document.getElementById("yasgui");
    var Yasgui = window.Yasgui;
    if (!root || !Yasgui) return;
    var endpoint = new URL(root.dataset.endpoint || "/sparql", window.location.href).href;
    var base = root.dataset.base || "";
    var prefixes = JSON.parse(root.dataset.prefixes || "{}");
    var Yasqe = Yasgui.Yasqe;
    var Yasr = Yasgui.Yasr;

    // Autocompletion from this graph only: no LOV, no prefix.cc.
    Yasqe.forkAutocompleter(
      "class",
      { name: "sikgClass", bulk: true, persistenceId: null, get: ontologyTerms(endpoint, "class") },
      false
    );
    Yasqe.forkAutocompleter(
      "property",
      {
        name: "sikgProperty",
        bulk: true,
        persistenceId: null,
        get: ontologyTerms(endpoint, "property"),
      },
      false
    );
    var completers = ["variables", "prefixes", "sikgProperty", "sikgClass"];
    Yasqe.defaults.autocompleters = completers.slice();
    Yasqe.defaults.prefixCcApi = null;

    // Result views.
    Yasr.plugins.table.defaults.openIriInNewWindow = false;
    if (window.KGTimeline) Yasr.registerPlugin("timeline", window.KGTimeline);
    if (window.KGMap) Yasr.registerPlugin("map", window.KGMap);

    var yasgui = new Yasgui(root, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: {
        getData: function () {
          return [{ endpoint: endpoint }];
        },
        keys: [],
      },
      yasqe: {
        value: defaultQuery(prefixes),
        autocompleters: completers.slice(),
        prefixCcApi: null,
        editorHeight: "340px",
        collapsePrefixesOnLoad: true,
      },
      yasr: {
        prefixes: prefixes,
        pluginOrder: ["table", "timeline", "map", "response"],
        defaultPlugin: "table",
      },
    });
    window.kgYasgui = yasgui;

    // Tabs restored from an earlier visit query this server too.
    yasgui.persistentConfig.getTabs().forEach(function (id) {
      var tab = yasgui.getTab(id);
      if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
    });

    // Timeline and map buttons show only when the results have dates / points.
    var hooked = typeof WeakSet === "function" ? new WeakSet() : null;
    function syncViews(yasr) {
      ["timeline", "map"].forEach(function (name) {
        var button = yasr.rootEl.querySelector(".select_" + name);
        if (!button) return;
        var plugin = yasr.plugins[name];
        var usable = !!(yasr.results && plugin && plugin.canHandleResults());
        button.parentElement.hidden = !usable;
      });
      localiseLinks(yasr.rootEl, base);
    }
    function hook(tab) {
      var yasr = tab && tab.getYasr();
      if (!yasr || (hooked && hooked.has(yasr))) return;
      if (hooked) hooked.add(yasr);
      yasr.on("drawn", function () {
        syncViews(yasr);
      });
      new MutationObserver(function () {
        localiseLinks(yasr.rootEl, base);
      }).observe(yasr.resultsEl, { childList: true, subtree: true });
      syncViews(yasr);
    }
    hook(yasgui.getTab());
    ["tabSelect", "tabAdd", "tabChange", "queryResponse"].forEach(function (event) {
      yasgui.on(event, function () {
        window.setTimeout(function () {
          hook(yasgui.getTab());
        }, 0);
      });
    });

    // The example queries.
    var buttons = document.querySelectorAll("button.load-query");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        fetch(button.dataset.url, { headers: { Accept: "application/sparql-query" } })
          .then(function (response) {
            if (!response.ok) throw new Error("HTTP " + response.status);
            return response.text();
          })
          .then(function (text) {
            var tab = yasgui.getTab();
            tab.setQuery(text);
            tab.setName(button.querySelector(".qlabel").textContent);
            Array.prototype.forEach.call(buttons, function (b) {
              b.classList.toggle("active", b === button);
            });
            tab.getYasqe().focus();
          })
          .catch(function (err) {
            button.classList.add("failed");
            button.title = "could not load the query: " + err.message;
          });
      });
    });
  });
})();

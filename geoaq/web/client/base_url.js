/*
 * Runs in Streamlit's index page before its bundle (geoaq.web.index_page.with_known_base
 * inlines this function and calls it with the app's page URL paths): on a link straight to a
 * page, tells Streamlit the server's base path, so it does not first probe the page's URL for
 * it. The base is what precedes the page's segment, so it holds behind a proxy's prefix too.
 */
(function (pages) {
  var path = window.location.pathname.replace(/\/+$/, "");
  var cut = path.lastIndexOf("/");
  if (cut >= 0 && pages.indexOf(path.slice(cut + 1)) >= 0) {
    window.__streamlit = {BACKEND_BASE_URL: window.location.origin + path.slice(0, cut + 1)};
  }
})

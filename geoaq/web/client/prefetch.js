/*
 * Starts the download of a published map-data file as soon as streamlit-folium loads it
 * (geoaq.web.map_layers.file_layer.prefetch_script_url calls this function with the file's
 * URL and inlines the whole as a data: script, so it costs no request of its own) and keeps
 * the promise of its bytes in window.geoaqPrefetch[url], where the layers look first.
 * Fetches the .gz copy beside the file (geoaq.web.cache.publish_static) and unpacks it where
 * the browser can (DecompressionStream: Chromium 80, Firefox 113, Safari 16.4), else the file.
 */
(function (url) {
  var prefetched = window.geoaqPrefetch = window.geoaqPrefetch || {};
  function get(address, gzipped) {
    return fetch(address, {cache: 'force-cache'}).then(function (response) {
      if (!response.ok) throw new Error(response.status + ' ' + address);
      if (!gzipped) return response.arrayBuffer();
      var unpacked = response.body.pipeThrough(new DecompressionStream('gzip'));
      return new Response(unpacked).arrayBuffer();
    });
  }
  prefetched[url] = typeof DecompressionStream === 'function'
    ? get(url + '.gz', true).catch(function () { return get(url, false); })
    : get(url, false);
  prefetched[url].catch(function () {});  // a failure is reported by the layer
})

/*
 * geoaq's code in the map's browser frame: the layers, controls and markers that the Python
 * side (geoaq.web.map, geoaq.web.map_layers, geoaq.web.views.routes) puts on a folium map.
 *
 * Served with the other map assets (static/vendor/geoaq/geoaq_map.js, from
 * geoaq.web.assets); each element's own script is one call of a function here, with its
 * data as JSON. Text reaches the page through textContent or is escaped before it is parsed.
 */
(function (geoaq) {
  function escapeText(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  /* The bytes of a published file: the download a prefetch script started, else a new one. */
  function fetchBytes(url) {
    var prefetched = window.geoaqPrefetch && window.geoaqPrefetch[url];
    return prefetched || fetch(url, {cache: 'force-cache'}).then(function (response) {
      if (!response.ok) throw new Error(response.status + ' ' + url);
      return response.arrayBuffer();
    });
  }

  /* A Leaflet control listing each drawn layer's symbols. */
  geoaq.legend = function (map, title, entries) {
    var legend = L.control({position: 'bottomright'});
    legend.onAdd = function () {
      var div = L.DomUtil.create('div', 'geoaq-legend');
      var heading = document.createElement('b');
      heading.textContent = title;
      div.appendChild(heading);
      entries.forEach(function (entry) {
        var row = document.createElement('div');
        var swatch = document.createElement('span');
        swatch.className = 'geoaq-swatch ' + entry.kind;
        swatch.style.background = entry.fill;
        swatch.style.borderColor = entry.stroke;
        row.appendChild(swatch);
        row.appendChild(document.createTextNode(entry.label));
        div.appendChild(row);
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    legend.addTo(map);
    return legend;
  };

  /* Keeps the map's centre and zoom in sessionStorage under `key` and restores them when the
     map is drawn again (a rerun that rebuilds it), so it stays where the user left it. */
  geoaq.rememberView = function (map, key) {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(key));
      if (saved && isFinite(saved.lat) && isFinite(saved.lng) && isFinite(saved.zoom)) {
        map.setView([saved.lat, saved.lng], saved.zoom, {animate: false});
      }
    } catch (e) {}
    map.on('moveend', function () {
      var c = map.getCenter();
      try {
        window.sessionStorage.setItem(key, JSON.stringify({lat: c.lat, lng: c.lng, zoom: map.getZoom()}));
      } catch (e) {}
    });
  };

  /* Numbered route stops: L.marker with an L.divIcon from the start, so Leaflet never asks for
     its default marker image. Labels, tooltips and popups arrive escaped. */
  geoaq.stopMarkers = function (map, stops) {
    stops.forEach(function (s) {
      var size = s.depot ? 20 : 24;
      var icon = L.divIcon({
        html: '<div class="geoaq-stop' + (s.depot ? ' depot' : '') + '" style="background:'
              + s.colour + '">' + s.label + '</div>',
        className: 'geoaq-stop-icon', iconSize: [size, size], iconAnchor: [size / 2, size / 2]});
      var marker = L.marker([s.lat, s.lon], {icon: icon});
      marker.bindTooltip(s.tooltip);
      if (s.popup) { marker.bindPopup(s.popup, {maxWidth: 420}); }
      marker.addTo(map);
    });
  };

  /* A GeoJSON layer downloaded from `url`. Every feature carries _style (path options),
     _popup (escaped HTML) and _tooltip; points are circle markers of options.radius. */
  geoaq.fileLayer = function (map, url, options) {
    // a pane of its own keeps the layers in their order whichever file arrives first, all
    // beneath the overlay pane (400), where overlays and fire events are drawn
    var pane = 'geoaq-layer-' + options.order;
    if (!map.getPane(pane)) map.createPane(pane).style.zIndex = 300 + options.order;
    var layer = L.geoJSON(null, {
      pane: pane,
      style: function (feature) { return feature.properties._style; },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {radius: options.radius, pane: pane});
      },
      onEachFeature: function (feature, shape) {
        var popup = document.createElement('div');  // st_folium reads its innerText
        popup.innerHTML = feature.properties._popup;
        shape.bindPopup(popup, {maxWidth: options.maxWidth});
        shape.bindTooltip(feature.properties._tooltip, {sticky: true});
      }
    });
    fetchBytes(url).then(function (buffer) {
      layer.addData(JSON.parse(new TextDecoder().decode(buffer)));
      layer.loaded = true;
      layer.fire('geoaq:loaded');
    }).catch(function (error) {
      layer.failed = String(error);
      console.error('map layer not loaded: ' + error);
    });
    return layer;
  };

  /* Fire events at any count, clustered by supercluster and drawn only where the map shows.
     `spec` describes the packed typed arrays (geoaq.web.map_layers.event_layer.pack_events):
     fetched from spec.url, or `inlineData` (base64) when the bytes were not published. */
  geoaq.eventLayer = function (map, spec, text, options, inlineData) {
    performance.mark('geoaq-events-start');  // the bench reads these marks
    var n = spec.count, arrays = {}, index = null;
    var firstDay = Date.parse(spec.first_day + 'T00:00:00Z');
    function isoDay(i) {
      return new Date(firstDay + arrays.day[i] * 86400000).toISOString().slice(0, 10);
    }
    function eventId(i) {
      if (spec.ids) return spec.ids[i];
      var hex = ('0000000' + arrays.id[i].toString(16)).slice(-8);
      return 'FE-' + isoDay(i).replace(/-/g, '') + '-' + hex;
    }
    function load(buffer) {
      Object.keys(spec.layout).forEach(function (key) {
        var kind = spec.layout[key][0], offset = spec.layout[key][1];
        arrays[key] = new window[kind](buffer, offset, n);
      });
      var points = new Array(n);
      for (var i = 0; i < n; i++) {
        // only what supercluster reads (and hands back for a point): ~10 ms less
        points[i] = {id: i, geometry: {coordinates: [arrays.lon[i], arrays.lat[i]]}};
      }
      index = new Supercluster({radius: options.clusterRadius, maxZoom: options.clusterMaxZoom,
                                minPoints: 2}).load(points);
      group.index = index;
      performance.mark('geoaq-events-indexed');
      if (map._loaded) scheduleDraw();
    }
    var group = L.layerGroup();
    var clusters = L.layerGroup().addTo(group);
    // A FeatureGroup passes its points' clicks on, and st_folium listens to it.
    var pointLayer = L.featureGroup().addTo(group);
    group.eventId = eventId;
    group.count = n;
    group.position = function (i) { return [arrays.lat[i], arrays.lon[i]]; };

    function popupFor(i) {
      var box = document.createElement('div');
      box.className = 'geoaq-event-popup';
      var table = document.createElement('table');
      var status = spec.statuses[arrays.status[i]];
      [[text.event_id, eventId(i)], [text.day, isoDay(i)], [text.status, status.label],
       [text.county, spec.counties[arrays.county[i]]]].forEach(function (row) {
        var tr = document.createElement('tr');
        var th = document.createElement('th');
        var td = document.createElement('td');
        th.textContent = row[0];
        td.textContent = row[1];
        tr.appendChild(th);
        tr.appendChild(td);
        table.appendChild(tr);
      });
      box.appendChild(table);
      var hint = document.createElement('div');
      hint.className = 'hint';
      hint.textContent = text.details_hint;
      box.appendChild(hint);
      return box;
    }

    function pointMarker(feature) {
      var i = feature.id, status = spec.statuses[arrays.status[i]];
      var marker = L.circleMarker(L.latLng(arrays.lat[i], arrays.lon[i]), {
        radius: options.radius, color: '#222222', weight: 1.5,
        fillColor: status.colour, fillOpacity: 0.95});
      marker.eventIndex = i;
      // escaped: st_folium reads this back through innerHTML
      marker.bindTooltip(escapeText(eventId(i) + options.separator + status.label));
      marker.on('click', function () {
        L.popup({maxWidth: 360}).setLatLng(marker.getLatLng()).setContent(popupFor(i)).openOn(map);
      });
      return marker;
    }

    function clusterMarker(feature) {
      var count = feature.properties.point_count;
      var size = Math.round(26 + 8 * Math.log10(count));
      var label = document.createElement('span');
      label.textContent = feature.properties.point_count_abbreviated;
      var icon = L.divIcon({html: label.outerHTML, className: 'geoaq-event-cluster',
                            iconSize: [size, size]});
      var c = feature.geometry.coordinates;
      var marker = L.marker(L.latLng(c[1], c[0]), {icon: icon});
      marker.bindTooltip(text.cluster_hint.replace('{n}', count.toLocaleString()));
      marker.on('click', function () {
        var zoom = Math.min(index.getClusterExpansionZoom(feature.properties.cluster_id),
                            map.getMaxZoom() || 18);
        map.setView(marker.getLatLng(), zoom);
      });
      return marker;
    }

    function draw() {
      if (!index || !map.hasLayer(group)) return;
      var b = map.getBounds().pad(0.25);
      var zoom = Math.round(map.getZoom());
      var found = index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
      clusters.clearLayers();
      pointLayer.clearLayers();
      found.forEach(function (feature) {
        if (feature.properties && feature.properties.cluster) {
          clusters.addLayer(clusterMarker(feature));
        } else {
          pointLayer.addLayer(pointMarker(feature));
        }
      });
      group.drawn = {clusters: clusters.getLayers().length,
                     points: pointLayer.getLayers().length, zoom: zoom};
      performance.mark('geoaq-events-drawn');
      map.fire('geoaq:eventsdrawn', group.drawn);
    }
    // Drawn after the current script: st_folium's initComponent, which runs right after the
    // map's script, must not find (and listen to) the first markers.
    var pending = false;
    function scheduleDraw() {
      if (pending) return;
      pending = true;
      setTimeout(function () { pending = false; draw(); }, 0);
    }
    group.draw = draw;
    map.on('moveend', scheduleDraw);
    group.on('add', function () { if (map._loaded) scheduleDraw(); });
    window.geoaqEventLayer = group;
    group.source = spec.url || 'inline';
    if (spec.url) {  // the packed bytes as a file of their own, named by its content's hash:
      // a cached copy is always right, so the browser needn't ask again
      fetchBytes(spec.url).then(load).catch(function (error) {
        group.failed = String(error);
        console.error('fire events not loaded: ' + error);
      });
    } else {
      var raw = atob(inlineData);
      var bytes = new Uint8Array(raw.length);
      for (var b = 0; b < raw.length; b++) bytes[b] = raw.charCodeAt(b);
      load(bytes.buffer);
    }
    return group;
  };
})(window.geoaq = window.geoaq || {});

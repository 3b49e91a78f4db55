# Image for the scaled deployment (docker-compose.yml): same code, PostgreSQL + Redis + gunicorn.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2 EDUAI_DATA_DIR=/data
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e .
COPY --from=frontend /app/node_modules/bootstrap/dist/css static/vendor/bootstrap/css
COPY --from=frontend /app/node_modules/bootstrap/dist/js static/vendor/bootstrap/js
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py prepare_models && python manage.py collectstatic --noinput -v0 && gunicorn eduai.wsgi --bind 0.0.0.0:8000 --workers 2 --threads 4"]
